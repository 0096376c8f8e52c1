"""User text about messages the homeserver refused to take."""

from __future__ import annotations

from bot.messages.types import Catalogue

MESSAGES: Catalogue = {
    "outbox.dead": {
        "nl": "Bericht {id} voor {room} is niet afgeleverd: de homeserver weigert het "
        "({error}). Het is apart gezet; volgende berichten gaan gewoon door. "
        "Bekijk het met `weerbaar outbox list`, probeer opnieuw met "
        "`weerbaar outbox retry {id}` of verwijder het met `weerbaar outbox drop {id}`.",
        "en": "Message {id} to {room} was not delivered: the homeserver refuses it "
        "({error}). It has been set aside; later messages go out as usual. "
        "See it with `weerbaar outbox list`, try again with `weerbaar outbox retry {id}` "
        "or remove it with `weerbaar outbox drop {id}`.",
    },
}
