"""The store API, and the base every entity viewset shares (permissions, pagination, scope)."""

from django.db.models import ProtectedError
from rest_framework.exceptions import APIException
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.viewsets import ModelViewSet

from accounts.scope import Scope
from stores.api.serializers import StoreSerializer
from stores.filtersets import StoreFilterSet, request_scope
from stores.models import Store

# An ID as the export writes them (S490972, C772113, PZ001), as the filters accept them.
KEY_REGEX = r"[A-Za-z0-9_-]{1,16}"


class StaffWritesOthersRead(BasePermission):
    """Any authenticated user reads (within their scope); only staff create, change, delete."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or not user.is_read_only


class EntityPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class Protected(APIException):
    status_code = 409
    default_detail = "Other rows refer to this one; it cannot be deleted."
    default_code = "protected"


class EntityViewSet(ModelViewSet):
    """Shared by the entity viewsets. `scope_field` is the path to the store through which a
    row is in the user's scope (None: everyone sees every row, as for the menu)."""

    permission_classes = [StaffWritesOthersRead]
    pagination_class = EntityPagination
    lookup_value_regex = KEY_REGEX
    scope_field: str | None = None

    @property
    def scope(self) -> Scope:
        return request_scope(self.request)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.scope_field is None:
            return queryset
        return self.scope.filter(queryset, self.scope_field)

    def perform_destroy(self, instance) -> None:
        try:
            instance.delete()
        except ProtectedError as exc:
            count = len(exc.protected_objects)
            raise Protected(
                f"{count} other rows refer to {instance}; it cannot be deleted."
            ) from None


class StoreViewSet(EntityViewSet):
    """The chain's stores.

    Lists only the stores in the user's scope (executives, analysts and staff: all; regional
    managers: those of their states; store managers: theirs); any other store is a 404.
    Filters: `state`, `city`, `store` (a store or state outside the scope is a 403),
    `ordering`. Only staff create, change or delete; a store with orders or customers cannot
    be deleted (409).
    """

    queryset = Store.objects.all()
    serializer_class = StoreSerializer
    filterset_class = StoreFilterSet
    scope_field = "id"
