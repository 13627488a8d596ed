"""The people pages: ``/admin/people/workers``, ``/admin/people/party``,
``/admin/people/departments`` (people managers, within their communities) and the public
双报到 form ``/party/register``. The pages call the people API (``app.api.people``)."""
