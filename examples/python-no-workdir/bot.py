import os

from telegram.ext import ApplicationBuilder

app = ApplicationBuilder().token(os.environ["TOKEN"]).build()
app.run_polling()
