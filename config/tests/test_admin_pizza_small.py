"""Every admin changelist opens on the 20,000-order export with a bounded number of queries."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    ("stores", "store", 8, "S490972"),
    ("customers", "customer", 8, "C"),
    ("products", "product", 8, "PZ001"),
    ("products", "ingredient", 8, "Tomato Sauce"),
    ("products", "productingredient", 8, "PZ001"),
    ("orders", "order", 10, "20000"),
    ("orders", "orderitem", 10, "PZ0"),
    ("accounts", "user", 8, "admin"),
]


@pytest.mark.parametrize(("app", "model", "max_queries", "seen"), CHANGELISTS)
def test_changelist_opens_with_bounded_queries(
    pizza_small_db, admin_client, django_assert_max_num_queries, app, model, max_queries, seen
):
    url = reverse(f"admin:{app}_{model}_changelist")
    with django_assert_max_num_queries(max_queries):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert seen in response.content.decode()


@pytest.mark.parametrize(
    "query", ["?store__state_abbr__exact=NV", "?ordered_at__year=2022", "?q=17"]
)
def test_filtered_order_changelist_stays_bounded(
    pizza_small_db, admin_client, django_assert_max_num_queries, query
):
    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse("admin:orders_order_changelist") + query)
    assert response.status_code == 200


def test_order_change_page_shows_its_items(pizza_small_db, admin_client):
    from orders.models import Order

    order = Order.objects.filter(n_items__gte=3).order_by("id").first()
    html = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    for item in order.items.all():
        assert item.product_id in html
