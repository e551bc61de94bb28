from django.urls import path

from zhian.grid.views import disputes, places, reports

app_name = "grid"
urlpatterns = [
    path("", reports.home, name="home"),
    path("reports/new/", reports.report_new, name="report_new"),
    path("reports/", reports.report_list, name="reports"),
    path("reports/<int:report_id>/", reports.report_detail, name="report"),
    path("reports/<int:report_id>/refer/", reports.report_refer, name="report_refer"),
    path(
        "referrals/<int:referral_id>/<slug:action>/",
        reports.referral_action,
        name="referral_action",
    ),
    path("photos/<int:photo_id>/", reports.report_photo, name="photo"),
    path("inbox/", reports.inbox, name="inbox"),
    path("departments/", reports.departments, name="departments"),
    path("disputes/", disputes.dispute_list, name="disputes"),
    path("disputes/new/", disputes.dispute_new, name="dispute_new"),
    path(
        "disputes/from-incident/<int:incident_id>/",
        disputes.dispute_from_incident,
        name="dispute_from_incident",
    ),
    path("disputes/<int:dispute_id>/", disputes.dispute_detail, name="dispute"),
    path(
        "disputes/<int:dispute_id>/<slug:action>/",
        disputes.dispute_action,
        name="dispute_action",
    ),
    path("parties/<int:party_id>/reveal/", disputes.party_reveal, name="party_reveal"),
    path("agreements/<int:agreement_id>/", disputes.agreement_file, name="agreement"),
    path("places/", places.place_list, name="places"),
    path("places/new/", places.place_new, name="place_new"),
    path("places/export.xlsx", places.place_export, name="places_export"),
    path("places/import/", places.place_import, name="places_import"),
    path("places/<int:place_id>/", places.place_detail, name="place"),
    path("places/<int:place_id>/inspect/", places.place_inspect, name="place_inspect"),
    path("tasks/", places.task_list, name="tasks"),
    path("hazards/", places.hazard_list, name="hazards"),
    path("hazards/<int:hazard_id>/", places.hazard_detail, name="hazard"),
    path("campaigns/", places.campaign_list, name="campaigns"),
    path("campaigns/<int:campaign_id>/", places.campaign_detail, name="campaign"),
]
