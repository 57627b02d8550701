from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("rapportera/", views.report, name="report"),
    path("rapportera/utkast/<int:pk>/", views.report, name="draft"),
    path("rapportera/samtal/", views.call_log, name="call_log_new"),
    path("rapportera/samtal/<int:pk>/", views.call_log, name="call_log"),
    path("mina-rapporter/", views.mine, name="mine"),
    path("mina-rapporter/<int:pk>/", views.detail, name="detail"),
    path("mina-rapporter/<int:pk>/kvitto/", views.receipt, name="receipt"),
    path("mina-rapporter/<int:pk>/komplettera/", views.supplement, name="supplement"),
    path("mina-rapporter/<int:pk>/polisanmalan/", views.police_report, name="police_report"),
    path(
        "mina-rapporter/<int:pk>/underlag-polisanmalan.pdf",
        views.police_bundle_pdf,
        name="police_bundle",
    ),
    path("mina-rapporter/<int:pk>/ta-bort/", views.confirm_delete_draft, name="confirm_delete"),
    path("mina-rapporter/<int:pk>/radera/", views.delete_draft, name="delete_draft"),
    path(
        "mina-rapporter/<int:pk>/filer/<int:evidence_pk>/",
        views.evidence_file,
        name="evidence",
    ),
]
