"""Who sent a request: the peer, or behind proxies we trust, the client they report.

A proxy appends the address it received a connection from to `X-Forwarded-For` (nginx:
`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`). Only entries added by
trusted proxies are believed: the list is read from the right, and the first address that is
not a trusted proxy is the client. Anything left of it is whatever the client claimed.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Entries of X-Forwarded-For looked at, from the right: more proxies than this in a row is
# not a deployment, it is a header made up to cost us work.
MAX_HOPS = 8
# IPv6 clients are limited per /64, the block one subscriber gets; IPv4 per address.
IPV6_PREFIX = 64


def parse_address(text: str) -> Address | None:
    """An IP address, or None when `text` is not one."""
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class TrustedProxies:
    """The networks whose `X-Forwarded-For` is believed (TRUSTED_PROXIES)."""

    networks: tuple[Network, ...]

    @classmethod
    def parse(cls, text: str) -> TrustedProxies:
        """Comma-separated addresses or networks (`127.0.0.1, 10.0.0.0/8, ::1`); ValueError
        naming the first entry that is neither."""
        networks: list[Network] = []
        for entry in (part.strip() for part in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network") from None
        return cls(tuple(networks))

    def trusts(self, address: Address) -> bool:
        """True when `address` is one of the trusted proxies."""
        return any(address in network for network in self.networks)

    def client(self, peer: str | None, forwarded: str = "") -> str:
        """The client's address, from the connection's `peer` and the X-Forwarded-For
        header: the peer itself unless it is a trusted proxy."""
        address = parse_address(peer or "")
        if address is None:
            return peer or "unknown"
        for entry in reversed(forwarded.split(",")[-MAX_HOPS:] if forwarded else []):
            if not self.trusts(address):
                break
            hop = parse_address(entry)
            if hop is None:
                break  # not written by a proxy of ours: the last hop we know is the answer
            address = hop
        return str(address)


LOOPBACK = TrustedProxies.parse("127.0.0.0/8, ::1")


def limit_key(address: str) -> str:
    """What a per-address limit counts: the address, or for IPv6 its /64."""
    parsed = parse_address(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return address
