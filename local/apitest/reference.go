package apitest

// ReferenceCreate is the POST /profiles example body of the admin API's
// reference document, as the tests of both suites send it.
const ReferenceCreate = `{
  "contacts": [
    {"key": "email", "value": "client@email.com", "uuid": null},
    {"key": "phone", "value": "+9876543210", "uuid": null}
  ],
  "countryNumericCode": "840",
  "enabled": true,
  "firstName": "Mary",
  "middleName": "Jane",
  "lastName": "Smith",
  "uuid": null
}`
