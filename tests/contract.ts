/**
 * The documented table contract (the original Keboola Intercom extractor's documentation): every table of
 * each template and, in order, the columns users' transformations depend on. Written out here on purpose,
 * independently of templates/, so a template edit that drops or renames a documented column fails a test.
 */
export const CONTRACT: Record<string, string[]> = {
  users: ['type', 'id', 'created_at', 'signed_up_at', 'updated_at', 'email', 'phone', 'user_id', 'last_request_at', 'session_count', 'unsubscribed_from_emails', 'marked_email_as_spam', 'has_hard_bounced', 'user_agent_data', 'last_seen_ip', 'pseudonym', 'anonymous', 'name', 'location_data_city_name', 'location_data_continent_code', 'location_data_country_code', 'location_data_country_name', 'location_data_latitude', 'location_data_longitude', 'location_data_postal_code', 'location_data_region_name', 'location_data_timezone', 'avatar_image_url', 'custom_attributes'],
  users_tags: ['type', 'id', 'users_pk'],
  users_segments: ['type', 'id', 'users_pk'],
  users_companies: ['type', 'id', 'users_pk'],
  users_social_profiles: ['type', 'id', 'name', 'username', 'url', 'users_pk'],
  notes: ['type', 'id', 'created_at', 'body', 'user_type', 'user_id', 'author_type', 'author_id'],
  events_summary: ['user_id', 'name', 'count', 'first', 'last', 'description'],
  leads: ['type', 'id', 'created_at', 'updated_at', 'user_id', 'email', 'name', 'phone', 'anonymous', 'pseudonym', 'last_request_at', 'unsubscribed_from_emails', 'location_data_city_name', 'location_data_continent_code', 'location_data_country_code', 'location_data_country_name', 'location_data_latitude', 'location_data_longitude', 'location_data_postal_code', 'location_data_region_name', 'location_data_timezone', 'avatar_image_url', 'user_agent_data', 'last_seen_ip', 'remote_created_at', 'signed_up_at', 'session_count', 'marked_email_as_spam', 'has_hard_bounced', 'custom_attributes'],
  leads_tags: ['type', 'id', 'leads_pk'],
  leads_segments: ['type', 'id', 'leads_pk'],
  leads_companies: ['type', 'id', 'leads_pk'],
  leads_social_profiles: ['type', 'id', 'name', 'username', 'url', 'leads_pk'],
  companies: ['type', 'id', 'created_at', 'remote_created_at', 'updated_at', 'company_id', 'name', 'session_count', 'monthly_spend', 'user_count', 'plan', 'custom_attributes'],
  admins: ['type', 'id', 'name', 'email'],
  tags: ['type', 'id', 'name'],
  segments: ['type', 'id', 'name', 'created_at', 'updated_at', 'count', 'person_type'],
  conversations: ['type', 'id', 'created_at', 'updated_at', 'waiting_since', 'snoozed_until', 'user_type', 'user_id', 'assignee_type', 'assignee_id', 'conversation_message_type', 'conversation_message_id', 'conversation_message_subject', 'conversation_message_body', 'conversation_message_author_type', 'conversation_message_author_id', 'conversation_message_url', 'open', 'read', 'state'],
  conversations_attachments: ['type', 'name', 'url', 'content_type', 'filesize', 'width', 'height', 'conversations_pk'],
  conversations_customers: ['type', 'id', 'conversations_pk'],
  conversations_tags: ['type', 'id', 'conversations_pk'],
  conversation_parts: ['type', 'id', 'part_type', 'body', 'created_at', 'updated_at', 'notified_at', 'assigned_to_type', 'assigned_to_id', 'author_type', 'author_id', 'external_id'],
  conversation_parts_attachments: ['type', 'name', 'url', 'content_type', 'filesize', 'width', 'height', 'conversation_parts_pk'],
  events: ['type', 'id', 'created_at', 'event_name', 'user_id', 'email', 'intercom_user_id', 'metadata'],
};

export const TEMPLATE_TABLES: Record<string, string[]> = {
  basic: ['users', 'users_tags', 'users_segments', 'users_companies', 'users_social_profiles', 'notes', 'events_summary', 'leads', 'leads_tags', 'leads_segments', 'leads_companies', 'leads_social_profiles', 'companies', 'admins', 'tags', 'segments'],
  conversations: ['conversations', 'conversations_attachments', 'conversations_tags', 'conversations_customers', 'conversation_parts', 'conversation_parts_attachments'],
  users_and_events: ['users', 'users_tags', 'users_segments', 'users_companies', 'users_social_profiles', 'events'],
};
