"""Chain the rows written before the hash chains existed (workflows.chain): every case's history
events and documents, in the order they were written, and each issuer's documents without a
case. Uses the same canonical content as the running code, so ``verify_history`` finds the
result clean; rows written afterwards continue each chain from its head."""

from django.db import migrations

BATCH = 500


def fill(apps, schema_editor):
    from documents.models import chain_content
    from workflows import chain

    HistoryEvent = apps.get_model("workflows", "HistoryEvent")
    IssuedDocument = apps.get_model("documents", "IssuedDocument")
    ChainHead = apps.get_model("workflows", "ChainHead")

    chains = {}  # key → [(written at, order, pk, row, content function)]
    for event in HistoryEvent.objects.order_by("pk").iterator(chunk_size=2000):
        chains.setdefault(chain.case_key(event.instance_id), []).append((event.at, 1, event.pk, event, chain.history_content))
    # Without the PDF: the hash covers its recorded SHA-256, not the bytes.
    for document in IssuedDocument.objects.defer("pdf").order_by("pk").iterator(chunk_size=500):
        key = chain.case_key(document.instance_id) if document.instance_id else chain.issuer_key(document.issuer_id)
        # Within one moment a case's documents come before the event of the step that issued them.
        chains.setdefault(key, []).append((document.created_at, 0, document.pk, document, chain_content))

    events, documents, heads = [], [], []
    for key, entries in chains.items():
        previous = ""
        entries.sort(key=lambda e: (e[0], e[1], e[2]))
        for seq, (_at, order, _pk, row, content) in enumerate(entries, start=1):
            row.chain_seq, row.prev_hash = seq, previous
            row.entry_hash = previous = chain.entry_hash(content(row), key, seq, row.prev_hash)
            (documents if order == 0 else events).append(row)
        heads.append(ChainHead(key=key, last_hash=previous, length=len(entries)))
    fields = ["chain_seq", "prev_hash", "entry_hash"]
    HistoryEvent.objects.bulk_update(events, fields, batch_size=BATCH)
    IssuedDocument.objects.bulk_update(documents, fields, batch_size=BATCH)
    ChainHead.objects.all().delete()
    ChainHead.objects.bulk_create(heads, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0004_document_chain"),
        ("workflows", "0009_tamper_evidence_and_retry_backoff"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
