"""Context of the 干部任免审批表 (DOMAIN.md §8.2), shared with the .lrmx export."""

from documents.contexts import assessments_text, rewards_and_sanctions_text


def person_fields(cadre, as_of):
    return {
        "name": cadre.name,
        "sex": cadre.get_sex_display(),
        "birth_date": cadre.birth_date,
        "age": cadre.age_on(as_of),
        "ethnicity": cadre.ethnicity,
        "native_place": cadre.native_place,
        "birth_place": cadre.birth_place,
        "party_join_date": cadre.party_join_date,
        "work_start_date": cadre.work_start_date,
        "health": cadre.health,
        "professional_title": cadre.professional_title,
        "specialty": "",
        "full_time_education": cadre.full_time_education,
        "full_time_school": cadre.full_time_school,
        "in_service_education": cadre.in_service_education,
        "in_service_school": cadre.in_service_school,
        "current_post": cadre.current_post,
        "resume": cadre.resume,
        "photo": cadre.photo_data_uri(),  # a data: URI (the renderer fetches nothing), or ""
    }


def appointment_form_context(
    cadre, *, as_of, proposed_post, proposed_removal="", reason="", reporting_unit="", approval_opinion="", approval_date=None, filled_by=""
):
    family = [
        {
            "relation": m.relation,
            "name": m.name,
            "age": m.birth_date and (as_of.year - m.birth_date.year),
            "political_status": m.political_status,
            "work_unit_and_post": m.work_unit_and_post,
        }
        for m in cadre.family.all()
    ]
    return {
        "title": "干部任免审批表",
        "p": person_fields(cadre, as_of),
        "proposed_post": proposed_post,
        "proposed_removal": proposed_removal,
        "reason": reason,
        "rewards_and_sanctions": rewards_and_sanctions_text(cadre.awards.filter(revoked=False), cadre.sanctions.all()),
        "assessments": assessments_text([(a.year, a.get_grade_display()) for a in cadre.assessments.order_by("-year")[:3]][::-1]),
        "family": family,
        "family_rows": len(family) + 1,
        "reporting_unit": reporting_unit,
        "reporting_date": as_of,
        "approval_opinion": approval_opinion,
        "approval_date": approval_date,
        "filled_by": filled_by,
        "filled_on": as_of,
        "date": as_of,
    }
