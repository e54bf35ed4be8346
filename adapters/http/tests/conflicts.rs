//! A unique constraint refused by the database (a race the service's pre-check lost) answers
//! the same 422 as the pre-check.

use flexiapi_adapters_http::error::ApiError;
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::service::ServiceError;

#[test]
fn space_conflicts_are_unique_field_errors() {
    for (conflict, field) in [
        (Conflict::SpaceDomain, "domain"),
        (Conflict::SpaceHost, "host"),
        (Conflict::SpaceName, "name"),
    ] {
        for e in [
            ApiError::from(ServiceError::Conflict(conflict)),
            ApiError::from(ServiceError::from(StoreError::Conflict(conflict))),
        ] {
            assert_eq!(e.status.as_u16(), 422);
            assert_eq!(e.field_errors.len(), 1);
            assert_eq!(e.field_errors[0].0, field);
            assert_eq!(e.field_errors[0].1.id.as_str(), "validation-unique");
        }
    }
}

#[test]
fn a_taken_contacts_list_title_is_a_unique_field_error() {
    let e = ApiError::from(ServiceError::from(StoreError::Conflict(
        Conflict::ContactsListTitle,
    )));
    assert_eq!(e.status.as_u16(), 422);
    assert_eq!(e.field_errors[0].0, "title");
    assert_eq!(e.field_errors[0].1.id.as_str(), "validation-unique");
}
