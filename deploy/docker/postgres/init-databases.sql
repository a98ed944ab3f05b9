-- One database per service (docker-compose.yml mounts this into /docker-entrypoint-initdb.d/).
-- PostgreSQL runs it once, when the data volume is first created. Each `<service> migrate`
-- also creates its database when missing, so a service added later still works.
-- Names: portal_<service with - as _>, as portal_shared.config.database_url_for computes them.
CREATE DATABASE portal_identity;
CREATE DATABASE portal_portal_config;
CREATE DATABASE portal_billing;
CREATE DATABASE portal_proposals;
CREATE DATABASE portal_requests;
CREATE DATABASE portal_visits;
CREATE DATABASE portal_notifications;
