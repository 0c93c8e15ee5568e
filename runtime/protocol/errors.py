"""Errors raised while decoding messages from the network.

Everything a peer sends is untrusted. Decoding never lets a peer crash the endpoint:
every problem with a message ends as a :class:`ProtocolError`, which the transport
catches, records and answers, and then keeps serving.
"""

from __future__ import annotations

from mmarc.errors import MmarcError


class ProtocolError(MmarcError, ValueError):
    """A message does not follow the wire protocol (malformed, truncated, too large...)."""


class VersionMismatch(ProtocolError):
    """The peer speaks another major protocol version.

    Carried separately from other protocol errors because the endpoint answers it with
    a ``refused`` message that names both versions, so that the operator of the older
    side learns what to upgrade.
    """

    def __init__(
        self,
        peer: tuple[int, int],
        ours: tuple[int, int],
        *,
        kind: str = "",
        msg_id: str = "",
        client: str = "",
    ) -> None:
        self.peer = peer
        self.ours = ours
        self.kind = kind
        self.msg_id = msg_id
        self.client = client
        super().__init__(
            f"peer speaks protocol version {peer[0]}.{peer[1]}, this side speaks "
            f"{ours[0]}.{ours[1]}; major versions must match"
        )
