"""portal-config: companies and branches (name, slug, enabled, time zone); later branding and settings."""
SERVICE = "portal-config"
