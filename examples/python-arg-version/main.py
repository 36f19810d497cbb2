import os

from aiohttp import web


async def hello(_request):
    return web.Response(text="hello")


app = web.Application()
app.add_routes([web.get("/", hello)])
web.run_app(app, port=int(os.environ.get("PORT", "5000")))
