"""Map builders (pure: data in, ``folium.Map`` out) and the page renderer they share."""
