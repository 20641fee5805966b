// The app's single client: one token state and one in-flight refresh for the whole tab.

import { ApiClient } from "./api-client";
import { chatApi } from "./chat-api";

export const apiClient = new ApiClient();
export const api = chatApi(apiClient);
