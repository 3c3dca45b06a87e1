// Nothing secret here: hashes and ids that look random but are not credentials.
export const buildId = "3f786850e387550fdab836ed7e6dc881de23001b";
export const requestId = "6f1c0b52-1d6a-4bd5-9a3e-7b0d0fd7c9aa";
