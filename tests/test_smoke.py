def test_front_page_lists_municipalities(client, session):
    from tests.factories import make_municipality

    make_municipality(session, name="Gmina Kartuzy")
    session.commit()
    response = client.get("/")
    assert response.status_code == 200
    assert "Gmina Kartuzy" in response.get_data(as_text=True)
