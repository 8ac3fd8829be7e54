from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = "Campaigns: sequences, enrollments, touches, outcomes"

    def ready(self):
        # A merge moves enrollments; the contact page shows the outcome log (contacts
        # cannot import campaigns, so campaigns tells it).
        from campaigns.history import enrollments_merge, outcomes_timeline
        from contacts.history import history_source_register

        history_source_register("campaigns", move=enrollments_merge, timeline=outcomes_timeline)

        # The contact page's "Enroll in a campaign", for the same reason.
        from campaigns.contact_enroll import contact_enroll, contact_enroll_choices
        from contacts.page_hooks import enrolling_register

        enrolling_register("campaigns", choices=contact_enroll_choices, enroll=contact_enroll)
