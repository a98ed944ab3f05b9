"""`portal-requests migrate`."""
from portal_requests import SERVICE
from portal_shared.cli import service_cli

main = service_cli(service=SERVICE, package="portal_requests")
