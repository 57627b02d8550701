from django.urls import path

from . import views
from .models import Phase

app_name = "guidance"
urlpatterns = [
    path("", views.home, name="home"),
    path("fore/", views.phase_page, {"phase": Phase.FORE}, name="fore"),
    path("under/", views.phase_page, {"phase": Phase.UNDER}, name="under"),
    path("efter/", views.phase_page, {"phase": Phase.EFTER}, name="efter"),
    path("checklista/", views.checklist, name="checklist"),
    path("kontakt/", views.contacts_page, name="contacts"),
    path("handlingsplan.pdf", views.plan_pdf, name="plan_pdf"),
    path("checklista.pdf", views.checklist_pdf, name="checklist_pdf"),
    path("ingen-anslutning/", views.offline, name="offline"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
]
