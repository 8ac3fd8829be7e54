from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = "Contacts: patients, imports, hygiene, dedupe, buckets"

    def ready(self):
        from contacts.history import history_source_register, imports_merge, imports_timeline

        history_source_register("contacts", move=imports_merge, timeline=imports_timeline)
