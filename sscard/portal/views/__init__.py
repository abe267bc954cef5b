"""The citizen web portal's views: each parses the request, calls one domain service or
selector, and renders a page."""
