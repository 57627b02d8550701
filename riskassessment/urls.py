from django.urls import path

from . import views

app_name = "riskassessment"
urlpatterns = [
    path("", views.start, name="start"),
    path("resultat/", views.result, name="result"),
    path("spara/", views.save, name="save"),
    path("mina/", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/ny/", views.start_from, name="start_from"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("<int:pk>/dela/", views.share, name="share"),
    path("<int:pk>/sluta-dela/", views.unshare, name="unshare"),
]
