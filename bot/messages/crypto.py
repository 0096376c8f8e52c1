"""User text about end-to-end encryption."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "crypto.undecryptable": {
        "nl": "Ik kan het versleutelde bericht van {sender} niet lezen: mijn apparaat "
        "({device}) heeft de sleutel ervan niet gekregen, dus ik voer het niet uit. "
        "Stuur het opnieuw; lukt dat niet, controleer dan of uw app sleutels deelt met "
        "niet-geverifieerde apparaten of verifieer het apparaat van de bot.",
        "en": "I cannot read the encrypted message from {sender}: my device ({device}) "
        "did not receive its key, so I will not act on it. Please send it again; if that "
        "fails, check that your app shares keys with unverified devices or verify the "
        "bot's device.",
    },
}
