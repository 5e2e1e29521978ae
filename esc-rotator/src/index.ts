export { rotationHandler, RotationHandler, RotationHttpAnswer, RotationHttpRequest, MAX_BODY_BYTES } from "./handler";
export { rotationServer } from "./server";
export { rotatorSettings, RotatorSettings, PULUMI_CLOUD_ISSUER, PULUMI_CLOUD_JWKS_URL, SETTING_NAMES } from "./settings";
export { requestVerifier, RequestVerifier, Unauthorized } from "./requestAuth";
export { ROTATION_REQUEST_FIELDS, requestProblems, RotatedSecret, rotatedSecret } from "./protocol";
