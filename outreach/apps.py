from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = "Outreach: sending, webhooks, the work queue"

    def ready(self):
        # Email events (bounces, unsubscribes, complaints) arrive through django-anymail.
        from anymail.signals import tracking

        from outreach.email_events import email_event

        tracking.connect(email_event, dispatch_uid="outreach.email_event")

        # A patient's email reply (a request to stop revokes consent, issue 17.5).
        from anymail.signals import inbound

        from outreach.email_replies import email_reply

        inbound.connect(email_reply, dispatch_uid="outreach.email_reply")

        # A merge moves the conversation thread; the contact page shows it.
        from contacts.history import history_source_register
        from outreach.history import messages_merge, messages_timeline

        history_source_register("outreach", move=messages_merge, timeline=messages_timeline)

        # An opt-out of the number or address (a family member's STOP) shows on the page.
        from contacts.page_hooks import channel_blocks_register
        from outreach.optouts import contact_block_words

        channel_blocks_register("outreach", contact_block_words)

        # A patient enrolled while a reply of theirs waits shows it in the work queue; a
        # coordinator's decision (on any page) answers the waiting replies.
        from campaigns.replies import replies_waiting_source_register
        from outreach.conversation import replies_handle, replies_waiting_by_contact

        replies_waiting_source_register("outreach", replies_waiting_by_contact, replies_handle)
