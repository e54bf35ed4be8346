//! Phone countries: which dialling codes accept phone numbers (listed publicly, switched by
//! super admins).

use flexiapi_domain::model::PhoneCountry;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{Object, OpenApi};

use super::{ApiTags, state};
use crate::auth::SuperAdminCaller;
use crate::error::ApiError;

pub struct PhoneCountriesApi;

/// A country and whether its numbers are accepted.
#[derive(Debug, Object)]
pub struct PhoneCountryObject {
    /// ISO 3166-1 alpha-2, e.g. `FR`.
    pub code: String,
    /// Dialling code without `+`, e.g. `33`.
    pub country_code: String,
    pub activated: bool,
}

impl From<PhoneCountry> for PhoneCountryObject {
    fn from(c: PhoneCountry) -> Self {
        Self {
            code: c.code,
            country_code: c.country_code,
            activated: c.activated,
        }
    }
}

/// Switches every country sharing the dialling code of `code`; answers how many rows.
async fn switch(req: &Request, code: &str, activated: bool) -> Result<PlainText<String>, ApiError> {
    let changed = state(req)?
        .services
        .set_phone_country_activated(code, activated)
        .await?;
    Ok(PlainText(changed.to_string()))
}

#[OpenApi]
impl PhoneCountriesApi {
    /// List phone countries
    ///
    /// Access: Public. All countries start deactivated: phone numbers are refused until a super
    /// admin activates their country.
    #[oai(
        path = "/phone_countries",
        method = "get",
        tag = "ApiTags::Spaces",
        operation_id = "listPhoneCountries"
    )]
    async fn list(&self, req: &Request) -> Result<Json<Vec<PhoneCountryObject>>, ApiError> {
        let countries = state(req)?.services.list_phone_countries().await?;
        Ok(Json(countries.into_iter().map(Into::into).collect()))
    }

    /// Activate a phone country
    ///
    /// Access: Super Admin. Activates every country sharing the dialling code of `code` (all the
    /// `+1` countries for `US`); answers how many.
    #[oai(
        path = "/phone_countries/:code/activate",
        method = "post",
        tag = "ApiTags::Spaces",
        operation_id = "activatePhoneCountry"
    )]
    async fn activate(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        code: Path<String>,
    ) -> Result<PlainText<String>, ApiError> {
        switch(req, &code.0, true).await
    }

    /// Deactivate a phone country
    ///
    /// Access: Super Admin. Deactivates every country sharing the dialling code of `code`.
    #[oai(
        path = "/phone_countries/:code/deactivate",
        method = "post",
        tag = "ApiTags::Spaces",
        operation_id = "deactivatePhoneCountry"
    )]
    async fn deactivate(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        code: Path<String>,
    ) -> Result<PlainText<String>, ApiError> {
        switch(req, &code.0, false).await
    }
}
