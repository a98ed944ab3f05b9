"""The local stack: which processes make up the portal, and how to start them on one machine."""
