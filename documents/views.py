"""Public verification of issued documents, and downloads for signed-in users (DOMAIN.md §8)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from .forms import VerifyUploadForm
from .models import IssuedDocument
from .permissions import can_download
from .verification import Status, sha256_of, verify_hash, verify_record


@require_http_methods(["GET", "POST"])
def verify(request):
    """No login: anyone holding a document may check it.

    GET ?number=…&sha256=… checks a hash; GET ?number=…&id=… (the QR code) shows the record;
    POST with a PDF file computes the hash here and checks it.
    """
    number = (request.POST.get("number") or request.GET.get("number") or "").strip()
    result = None
    if request.method == "POST":
        form = VerifyUploadForm(request.POST, request.FILES)
        if form.is_valid():
            result = verify_hash(sha256_of(form.cleaned_data["file"]), form.cleaned_data["number"] or None)
    else:
        form = VerifyUploadForm(initial={"number": number})
        if request.GET.get("sha256"):
            result = verify_hash(request.GET["sha256"], number or None)
        elif request.GET.get("id"):
            result = verify_record(request.GET["id"], number or None)
    return render(request, "documents/verify.html", {"form": form, "result": result, "Status": Status, "number": number})


@login_required
def download(request, pk):
    document = get_object_or_404(IssuedDocument.objects.defer(None).select_related("issuer", "instance__nominating_unit"), pk=pk)
    if not can_download(request.user, document):
        # Out of scope answers as if the document did not exist (like cases): ids cannot be probed.
        raise Http404
    filename = f"{document.number or document.get_kind_display()}-v{document.version}.pdf"
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["ETag"] = f'"{document.sha256}"'
    response["Cache-Control"] = "private, max-age=0"
    return response
