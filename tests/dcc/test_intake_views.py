"""The DCC clerk's page: the hotline form and the ADF upload, through the same service as the API."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dcc.models import OnlineLead, Via
from tests.dcc.test_api import ADF, XXE

URL = reverse("dcc:online_lead_create")


def form_data(lead_source, **fields):
    return {"source": lead_source.pk, "customer_name": "钱先生", "phone": "13655556666", "city": "", **fields}


def test_the_clerk_enters_a_hotline_call(client, frozen_clock, lead_source, manager):
    client.force_login(manager)
    response = client.post(URL, form_data(lead_source), follow=True)
    inquiry = OnlineLead.objects.get()
    assert (inquiry.via, inquiry.entered_by, inquiry.lead.owner) == (Via.MANUAL, manager, manager)
    assert "钱先生" in response.content.decode()


def test_a_bad_phone_is_named_next_to_its_field_and_the_input_is_kept(client, frozen_clock, lead_source, manager):
    client.force_login(manager)
    response = client.post(URL, form_data(lead_source, phone="12345", customer_name="孙女士"))
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"phone"}
    assert 'value="孙女士"' in response.content.decode()
    assert not OnlineLead.objects.exists()


def test_consultants_have_no_intake_page(client, lead_source, consultant):
    client.force_login(consultant)
    assert client.get(URL).status_code == 403


def test_an_adf_file_is_uploaded_and_a_hostile_one_refused(client, frozen_clock, lead_source, manager):
    client.force_login(manager)
    upload = reverse("dcc:online_lead_upload_adf")
    bad = client.post(upload, {"source": lead_source.pk, "file": SimpleUploadedFile("x.xml", XXE.encode())})
    assert "DTDForbidden" in str(bad.context["upload_form"].errors["file"])
    client.post(upload, {"source": lead_source.pk, "file": SimpleUploadedFile("lead.xml", ADF.encode())})
    inquiry = OnlineLead.objects.get()
    assert (inquiry.via, inquiry.platform_lead_id, inquiry.entered_by) == (Via.ADF, "AH-2002", manager)
