"""Domain events into the wire: which frame each becomes, who gets it, which sockets close with
which code. The one place where the services' events meet frames and close codes."""

from collections.abc import Sequence

from app import events
from app.realtime import frames
from app.realtime.broker import Broker, Event
from app.realtime.frames import CloseCode, encode
from app.schemas import MessageOut


def for_everyone(message: MessageOut) -> MessageOut:
    """The copy a broadcast frame carries: one text for every member, so nobody's `me`."""
    if not any(reaction.me for reaction in message.reactions):
        return message
    reactions = [reaction.model_copy(update={"me": False}) for reaction in message.reactions]
    return message.model_copy(update={"reactions": reactions})


def message_event(message: events.MessageStored) -> Event:
    out = message.message
    frame = encode(frames.MessageFrame(message=out))
    return Event("room", room_id=out.room_id, frame=frame, message_id=out.id)


def messages_event(run: Sequence[events.MessageStored]) -> Event:
    """Consecutive messages of one room (in id order) as one broker event."""
    if len(run) == 1:
        return message_event(run[0])
    ids = tuple(stored.message.id for stored in run)
    texts = tuple(encode(frames.MessageFrame(message=stored.message)) for stored in run)
    return Event("messages", room_id=run[0].message.room_id, frames=texts, message_ids=ids, message_id=ids[-1])


def wire_event(event: events.DomainEvent) -> Event:
    """The broker event (frame and routing) a domain event becomes."""
    match event:
        case events.MessageStored():
            return message_event(event)
        case events.MessageEdited(message=message):
            # One frame for the whole room: `me` flags mean nothing to everyone at once.
            frame = encode(frames.MessageUpdated(message=for_everyone(message)))
            return Event("room", room_id=message.room_id, frame=frame)
        case events.MessageDeleted(room_id=room_id, message_id=message_id):
            frame = encode(frames.MessageDeleted(message_id=message_id, room_id=room_id))
            return Event("room", room_id=room_id, frame=frame)
        case events.ReactionChanged(message=message, user=user, emoji=emoji, added=added):
            reaction = frames.ReactionFrame(message=for_everyone(message), user=user, emoji=emoji, added=added)
            return Event("room", room_id=message.room_id, frame=encode(reaction))
        case events.ReadMarkerMoved(user_id=user_id, room_id=room_id, message_id=message_id):
            frame = encode(frames.ReadFrame(room_id=room_id, message_id=message_id))
            return Event("user_frame", user_id=user_id, frame=frame)
        case events.NotifyChanged(user_id=user_id, room_id=room_id, level=level):
            frame = encode(frames.NotifyFrame(room_id=room_id, level=level))
            return Event("user_frame", user_id=user_id, frame=frame)
        case events.UserTyping(room_id=room_id, user=user):
            # Not to the typist's own sockets.
            frame = encode(frames.TypingNotice(room_id=room_id, user=user))
            return Event("room", room_id=room_id, frame=frame, user_id=user.id, skip_user=True)
        case events.MemberJoined(user_id=user_id, room=room):
            frame = encode(frames.RoomAdded(room=room))
            return Event("member_added", room_id=room.id, user_id=user_id, frame=frame)
        case events.MemberLeft(room_id=room_id, user_id=user_id, reason=reason):
            # Their sockets stop receiving the room (they may join again).
            frame = encode(frames.RoomRemoved(room_id=room_id, reason=reason))
            return Event(
                "member_removed", room_id=room_id, user_id=user_id, frame=frame, close_code=CloseCode.FORBIDDEN
            )
        case events.RoomUpdated(room_id=room_id, name=name, topic=topic):
            frame = encode(frames.RoomUpdated(room_id=room_id, name=name, topic=topic))
            return Event("room", room_id=room_id, frame=frame)
        case events.RoomDeleted(room_id=room_id):
            frame = encode(frames.RoomDeleted(room_id=room_id))
            return Event("room_closed", room_id=room_id, frame=frame, close_code=CloseCode.NO_ROOM)
        case events.UserDeactivated(user_id=user_id):
            return Event("user_closed", user_id=user_id, close_code=CloseCode.FORBIDDEN)
        case events.DeviceSignedOut(session_id=session_id):
            return Event("session_closed", session_id=session_id, close_code=CloseCode.UNAUTHENTICATED)


def members_event(event: events.DomainEvent) -> Event | None:
    """The room's other members hear of someone joining or leaving (after the person's own frames)."""
    match event:
        case events.MemberJoined(user_id=user_id, room=room):
            frame = encode(frames.MemberChanged(room_id=room.id, user_id=user_id, joined=True))
            return Event("room", room_id=room.id, frame=frame, user_id=user_id, skip_user=True)
        case events.MemberLeft(room_id=room_id, user_id=user_id):
            frame = encode(frames.MemberChanged(room_id=room_id, user_id=user_id, joined=False))
            return Event("room", room_id=room_id, frame=frame, user_id=user_id, skip_user=True)
    return None


class Delivery:
    """The services' EventSink: each event, as its broker event(s), to every process's sockets."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    async def publish(self, event: events.DomainEvent) -> None:
        await self._broker.publish(wire_event(event))
        if (members := members_event(event)) is not None:
            await self._broker.publish(members)

    async def publish_all(self, batch: Sequence[events.DomainEvent]) -> None:
        """In order; consecutive messages of one room travel as one broker event, which reaches
        each of the room's sockets in one write (and crosses Redis as one pub/sub message)."""
        run: list[events.MessageStored] = []
        for event in batch:
            room_id = event.message.room_id if isinstance(event, events.MessageStored) else None
            if run and room_id != run[0].message.room_id:
                await self._broker.publish(messages_event(run))
                run = []
            if isinstance(event, events.MessageStored):
                run.append(event)
            else:
                await self.publish(event)
        if run:
            await self._broker.publish(messages_event(run))
