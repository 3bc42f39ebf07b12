"""A push's Web Push keys as Google writes them, read the way firebase-messaging 0.4.5 can decode
them (docs/ring-apis.md §7.1), and the causes a message that still fails is counted under."""

from __future__ import annotations

import binascii

import pytest
from cryptography.exceptions import InvalidTag
from firebase_messaging.proto.mcs_pb2 import DataMessageStanza
from http_ece import ECEException  # type: ignore[import-untyped]

from ringConnector.sources.consumer.push import undecryptable_cause, web_push_keys

KEY = "BNoRDbb84JGm8g5Z5CFxurSqsXWJ11ItfXEWYVLE85Y7CYkDjXsIEc4aqxYaQ1G8BqkXCJ6DPpDrWtdWj_mugHU"  # 87
SALT = "lngarbyKfMoi9Z75xYXmkg"  # 22 characters: 16 bytes unpadded


def read(crypto_key: str, encryption: str) -> tuple[str, str]:
    stanza = DataMessageStanza()
    stanza.app_data.add(key="crypto-key", value=crypto_key)
    stanza.app_data.add(key="encryption", value=encryption)
    stanza.app_data.add(key="subtype", value="wp:x")
    web_push_keys(stanza)
    values = {item.key: item.value for item in stanza.app_data}
    assert values["subtype"] == "wp:x"
    return values["crypto-key"], values["encryption"]


@pytest.mark.parametrize(
    ("crypto_key", "encryption"),
    [
        (f"dh={KEY}=", f"salt={SALT}=="),  # padded: as it was
        (f"dh={KEY}", f"salt={SALT}"),  # unpadded (firebase-messaging #37, #40)
        (f"dh={KEY}; p256ecdsa=BOtherKey_x", f"salt={SALT}"),  # a second parameter (#44)
        (f"p256ecdsa=BOtherKey_x;dh={KEY}", f"rs=4096;salt={SALT}"),  # another order (#42, #43)
        (f'dh="{KEY}"', f'salt="{SALT}"'),  # quoted, as HTTP parameters may be
    ],
)
def test_the_keys_are_read_by_name_and_padded(crypto_key: str, encryption: str) -> None:
    assert read(crypto_key, encryption) == (f"dh={KEY}=", f"salt={SALT}==")


def test_a_value_without_its_parameter_is_left_for_the_library_to_refuse() -> None:
    assert read("p256ecdsa=BOtherKey", "rs=4096") == ("p256ecdsa=BOtherKey", "rs=4096")


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (RuntimeError("couldn't find in app_data crypto-key"), "no_keys"),
        (binascii.Error("Incorrect padding"), "base64"),
        (ValueError("Invalid EC key."), "bad_key"),
        (ECEException("Message truncated"), "decryption"),
        (InvalidTag(), "decryption"),
        (KeyError("keys"), "other"),
    ],
)
def test_each_failure_is_counted_under_its_cause(error: Exception, cause: str) -> None:
    assert undecryptable_cause(error) == cause
