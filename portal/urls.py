from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from . import twofactor, views
from .forms import LoginForm, PasswordResetForm, SetPasswordForm

urlpatterns = [
    path("", include("guidance.urls")),
    path("riskinventering/", include("riskassessment.urls")),
    path("", include("incidents.urls")),
    path("aktuellt/", include("notices.urls")),
    path("utbildning/", include("training.urls")),
    path("mina-sidor/", views.my_pages, name="my_pages"),
    path("personuppgifter/", views.privacy, name="privacy"),
    path("tillganglighet/", views.accessibility, name="accessibility"),
    path("healthz", views.healthz, name="healthz"),
    path("logga-in/", auth_views.LoginView.as_view(form_class=LoginForm), name="login"),
    path("logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "glomt-losenord/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path(
        "glomt-losenord/skickat/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "valj-losenord/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=SetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "inbjudan/<uidb64>/<token>/",
        views.InvitationConfirmView.as_view(),
        name="invitation_accept",
    ),
    path(
        "valj-losenord/klart/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("konto/tvastegs/", twofactor.verify, name="otp_verify"),
    path("konto/tvastegs/aktivera/", twofactor.enrol, name="otp_enrol"),
    # The questions' pages in the admin had these addresses until the models were named
    # RiskQuestion and QuizQuestion: a bookmark still finds them.
    re_path(
        r"^admin/riskassessment/question/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/riskassessment/riskquestion/%(rest)s", query_string=True),
    ),
    re_path(
        r"^admin/training/question/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/training/quizquestion/%(rest)s", query_string=True),
    ),
    path("admin/", admin.site.urls),
]

handler500 = "portal.views.server_error"
