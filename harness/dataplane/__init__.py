"""The embedded account's data plane: instances run the release, a proxy routes requests by
the load balancer's listeners and rules, and health checks are real HTTP probes."""
