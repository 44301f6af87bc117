"""The MAST archive client: JWST searches, product lists and resumable downloads.

Web-free (no service imports). Built on astroquery, pointed entirely — name resolver included —
at one archive URL (`MAST_SERVER_URL`; the real archive by default):

    client = ArchiveClient(settings.mast_server_url, timeout_s=30)
    page = client.search_target("NGC 3324", radius_deg=0.1, filters=SearchFilters(calib_level=[3]))
    products = client.list_products([o.obsid for o in page.items], recommended_only=True)
    info = client.head(products[0].download_url)
    for chunk in client.download_range(products[0].download_url, start=already_have):
        ...

Errors are the project's: `UpstreamError` (502, code `archive_error`), `UpstreamTimeout` (504,
`archive_timeout`), `NotFound` (`target_not_resolved`), `DownloadInterrupted` (an
`UpstreamError` with `.received`, code `archive_download_interrupted`), `ArchiveAccessDenied`
(403, `archive_access_denied`: an exclusive-access file without a token giving access). Their
`details` carry `retryable`.

What an import can take is decided in one place, `verdict`/`judged` (`_importable`).
"""

from webbscope.mast._astroquery import (
    DEFAULT_SERVER_URL,
    REAL_RESOLVER_URL,
    ConfiguredObservations,
    configure_astroquery,
    resolver_url_for,
)
from webbscope.mast._client import ArchiveClient, criteria_for
from webbscope.mast._download import (
    TOKEN_COOKIE,
    ArchiveAccessDenied,
    DownloadInterrupted,
    RemoteFile,
)
from webbscope.mast._importable import (
    SKIPPED_BY_DEFAULT,
    FileFormat,
    ImportRules,
    Verdict,
    file_format,
    judged,
    release_text,
    safe_name,
    verdict,
)
from webbscope.mast._models import (
    EXCLUSIVE_ACCESS,
    MAX_PAGE_SIZE,
    PUBLIC,
    ArchiveObservation,
    ArchiveProduct,
    ProductList,
    ProductsQuery,
    ProductsRequest,
    SearchFilters,
    SearchMode,
    SearchPage,
    SearchQuery,
    is_exclusive,
    normalise_proposal_id,
)
from webbscope.mast._normalise import (
    datetime_to_mjd,
    download_url,
    mjd_to_datetime,
    observation_from_row,
    product_from_row,
)

__all__ = [
    "DEFAULT_SERVER_URL",
    "EXCLUSIVE_ACCESS",
    "MAX_PAGE_SIZE",
    "PUBLIC",
    "REAL_RESOLVER_URL",
    "SKIPPED_BY_DEFAULT",
    "TOKEN_COOKIE",
    "ArchiveAccessDenied",
    "ArchiveClient",
    "ArchiveObservation",
    "ArchiveProduct",
    "ConfiguredObservations",
    "DownloadInterrupted",
    "FileFormat",
    "ImportRules",
    "ProductList",
    "ProductsQuery",
    "ProductsRequest",
    "RemoteFile",
    "SearchFilters",
    "SearchMode",
    "SearchPage",
    "SearchQuery",
    "Verdict",
    "configure_astroquery",
    "criteria_for",
    "datetime_to_mjd",
    "download_url",
    "file_format",
    "is_exclusive",
    "judged",
    "mjd_to_datetime",
    "normalise_proposal_id",
    "observation_from_row",
    "product_from_row",
    "release_text",
    "resolver_url_for",
    "safe_name",
    "verdict",
]
