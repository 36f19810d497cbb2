from fastapi.testclient import TestClient

from shop.main import app


def test_items():
    assert TestClient(app).get("/items").json() == []
