"""Helpers of the test suite, by concern; tests import them from here, conftest.py holds the fixtures.

- database: the run's database (SQLite or PostgreSQL), empty databases, and databases as older
  migrations left them
- servers: the settings of a test's server, a real uvicorn server in the test's event loop
  (LiveServer), and `python -m app.server` as a process of its own (ServerProcess)
- services: the machine's Redis, and private Redis and PostgreSQL servers a test stops and starts
- accounts: people who sign up and log in through the real endpoints, admins, access tokens
- sockets: a WebSocket client that reads JSON frames
- api: the REST calls tests make again and again
- statements: the SQL a live server runs"""
