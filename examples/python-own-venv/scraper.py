import requests
from lxml import html

page = html.fromstring(requests.get("https://example.org", timeout=10).content)
print(page.findtext(".//title"))
