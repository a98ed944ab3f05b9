"""notifications: renders and delivers the portal's emails and keeps the outbound log; later, webhooks."""
SERVICE = "notifications"
