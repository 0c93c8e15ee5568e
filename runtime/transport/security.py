"""CurveZMQ: encryption plus key-based authentication of participants.

Why CurveZMQ rather than TLS: it is built into libzmq (no proxy, no certificates
authority to run), costs one handshake per connection, and the ZAP hook lets the server
bind each client *public key* to a *participant name*. The server then knows which
hospital a message comes from from the key that authenticated the connection (ZeroMQ's
``User-Id`` message property), not from a name the peer merely claims.

``SecurityConfig`` is the single switch: pass ``None`` to the socket factories for plain
TCP (tests, loopback, a trusted network), or a config built with :meth:`SecurityConfig.for_server`
/ :meth:`SecurityConfig.for_client` to encrypt and authenticate every connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils import z85


def _check_key(key: bytes | str, what: str) -> bytes:
    if isinstance(key, str):
        key = key.encode("ascii")
    if not isinstance(key, bytes) or len(key) != 40:
        raise ValueError(f"{what} must be a 40-character Z85 CurveZMQ key")
    try:
        z85.decode(key)
    except Exception as exc:  # z85 raises various errors on bad alphabets
        raise ValueError(f"{what} is not valid Z85: {exc}") from None
    return key


@dataclass(frozen=True)
class CurveKeyPair:
    """A CurveZMQ key pair in Z85 text form (40 ASCII bytes each)."""

    public: bytes
    secret: bytes = field(repr=False)

    @classmethod
    def generate(cls) -> CurveKeyPair:
        public, secret = zmq.curve_keypair()
        return cls(public, secret)

    @classmethod
    def from_secret(cls, secret: bytes) -> CurveKeyPair:
        """Rebuild the pair from a stored secret key."""
        secret = _check_key(secret, "secret key")
        return cls(zmq.curve_public(secret), secret)

    def __post_init__(self) -> None:
        object.__setattr__(self, "public", _check_key(self.public, "public key"))
        object.__setattr__(self, "secret", _check_key(self.secret, "secret key"))


@dataclass(frozen=True)
class SecurityConfig:
    """Keys for one side of the connection.

    Server side: ``server_keys`` and ``participants`` (client public key -> participant
    name; only these keys may connect). Client side: ``server_public_key`` (pinned: a
    man in the middle without the server's secret key cannot complete the handshake)
    and ``client_keys``.
    """

    server_public_key: bytes
    server_keys: CurveKeyPair | None = None
    client_keys: CurveKeyPair | None = None
    participants: Mapping[bytes, str] = field(default_factory=dict)
    zap_domain: str = "mmarc"

    @classmethod
    def for_server(
        cls, server_keys: CurveKeyPair, participants: Mapping[bytes | str, str]
    ) -> SecurityConfig:
        keys: dict[bytes, str] = {}
        for key, name in participants.items():
            keys[_check_key(key, f"public key of {name!r}")] = name
        if len(set(keys.values())) != len(keys):
            raise ValueError("two keys are bound to the same participant name")
        return cls(server_keys.public, server_keys=server_keys, participants=MappingProxyType(keys))

    @classmethod
    def for_client(cls, server_public_key: bytes, client_keys: CurveKeyPair) -> SecurityConfig:
        return cls(_check_key(server_public_key, "server public key"), client_keys=client_keys)

    def apply_server(self, socket: zmq.Socket[Any]) -> None:
        """Make ``socket`` a CURVE server (must run before bind)."""
        if self.server_keys is None:
            raise ValueError("SecurityConfig has no server keys; build it with for_server()")
        socket.curve_secretkey = self.server_keys.secret
        socket.curve_publickey = self.server_keys.public
        socket.curve_server = True
        socket.zap_domain = self.zap_domain.encode()

    def apply_client(self, socket: zmq.Socket[Any]) -> None:
        """Make ``socket`` a CURVE client of the pinned server key (must run before connect)."""
        if self.client_keys is None:
            raise ValueError("SecurityConfig has no client keys; build it with for_client()")
        socket.curve_serverkey = self.server_public_key
        socket.curve_publickey = self.client_keys.public
        socket.curve_secretkey = self.client_keys.secret


class ParticipantAuthenticator(ThreadAuthenticator):
    """ZAP handler that admits only known client keys and names them as participants.

    The participant name becomes the ZeroMQ ``User-Id`` of every message on that
    connection; the server endpoint compares it with the client name in the header.
    One authenticator serves a whole ``zmq.Context`` (ZAP is per context).
    """

    def __init__(self, context: zmq.Context[Any], config: SecurityConfig) -> None:
        super().__init__(context)
        self._participants = dict(config.participants)
        self._domain = config.zap_domain

    def start(self) -> None:
        # Configure before the thread runs, so no handshake can see an empty key set.
        self.configure_curve_callback(self._domain, credentials_provider=self)
        super().start()

    def callback(self, domain: str, key: bytes) -> bool:
        """Called by the ZAP thread with the Z85 client key: is it a participant's?"""
        return domain == self._domain and key in self._participants

    def curve_user_id(self, client_public_key: bytes) -> str:
        return self._participants[z85.encode(client_public_key)]
