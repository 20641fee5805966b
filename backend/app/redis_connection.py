"""What REDIS_URL names, and the client for it: one Redis server, or a Redis Cluster.

- `redis://host:port/db`, `rediss://…`, `unix:///path`: one server (redis-py's own URL forms).
- `redis+cluster://[[user]:password@]host:port[,host:port…]` (`rediss+cluster://` over TLS): a
  Redis Cluster (Redis 7 or later), reached through any of the nodes listed (one is enough; list
  several so that the process starts while one of them is down). The same form `limits` takes.

On a cluster, rooms spread over the shards by the key of their channel (sharded pub/sub), and
every other key of the app sits on the shard of its own key (app/realtime/pubsub.py)."""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from redis.asyncio import Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster

CLUSTER_SCHEMES = {"redis+cluster": False, "rediss+cluster": True}  # scheme -> TLS

# A command (a publish, a presence update) that does not answer within this long is a failure:
# the callers fall back to this process alone rather than wait on Redis.
TIMEOUT = 5.0


@dataclass(frozen=True)
class ClusterAddress:
    """A `redis+cluster://` URL, taken apart."""

    nodes: list[tuple[str, int]]
    tls: bool = False
    credentials: dict[str, str] = field(default_factory=dict)  # username, password

    def node_options(self) -> dict[str, Any]:
        """How to connect to any one node (credentials, TLS, timeouts)."""
        return {**self.credentials, "ssl": self.tls, "socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT}


def is_cluster_url(url: str) -> bool:
    return url.split("://", 1)[0] in CLUSTER_SCHEMES


def parse_cluster_url(url: str) -> ClusterAddress:
    parts = urlsplit(url)
    if parts.scheme not in CLUSTER_SCHEMES:
        raise ValueError(f"not a cluster URL (redis+cluster://host:port,...): {url!r}")
    credentials, _, hosts = parts.netloc.rpartition("@")
    nodes = []
    for item in hosts.split(","):
        host, _, port = item.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"REDIS_URL: {item!r} is not host:port")
        nodes.append((host.strip("[]"), int(port)))
    auth: dict[str, str] = {}
    if credentials:
        username, _, password = credentials.partition(":")
        if username:
            auth["username"] = unquote(username)
        if password:
            auth["password"] = unquote(password)
    return ClusterAddress(nodes, CLUSTER_SCHEMES[parts.scheme], auth)


def connect(url: str) -> "Redis | RedisCluster":
    """The client for REDIS_URL (it connects on first use)."""
    if is_cluster_url(url):
        address = parse_cluster_url(url)
        startup = [ClusterNode(host, port) for host, port in address.nodes]
        return RedisCluster(startup_nodes=startup, **address.node_options())
    return Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
