"""portal-config: companies and branches (name, slug, enabled, time zone), and each branch portal's settings and images."""
SERVICE = "portal-config"
