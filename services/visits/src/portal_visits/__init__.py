"""visits: Visits and the visit notes shown in the portal."""
SERVICE = "visits"
