"""The public register: answers published for all to see, search, ratings, feeds and the dashboard."""
