from staffroom.messaging import actions, queries


def test_teacher_sends_and_colleague_sees_unread(world):
    conv = world.group(world.teacher2)
    msg, created = actions.send_message(conv, acting=world.teacher, body="Hello @" + world.teacher2.handle)
    assert created
    summaries = {s.conversation.pk: s for s in queries.conversation_summaries(world.teacher2)}
    assert summaries[conv.pk].unread == 1
    assert summaries[conv.pk].mentions == 1
