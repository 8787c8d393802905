"""The public site's views, one module per kind of page: the listing, the other pages, the downloads.

The API (public/api/), the feed (public/feeds.py) and the open-data files (public/downloads/) have
their own; all of them read the same FilterSet (public/filters.py).
"""
