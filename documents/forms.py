from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class VerifyUploadForm(forms.Form):
    file = forms.FileField(label=_("PDF 文件"))
    number = forms.CharField(label=_("发文字号（选填）"), max_length=60, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大"))
        return upload
