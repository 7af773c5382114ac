"""JSON API v1: its blueprints, token authentication and generated OpenAPI document."""
