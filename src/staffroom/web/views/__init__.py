"""Page views: parse the request, call one action or query, render. Nothing here decides what is allowed."""
