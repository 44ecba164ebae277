import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, MaxLength } from 'class-validator';
import { toBoolean } from '../../core/http/to-boolean';
import { SocketLabsPageQueryDto } from '../../socketlabs/dto/socketlabs-page-query.dto';
import { IsHostname } from '../../subaccounts/dto/subaccount-params.dto';
import { SocketLabsShaped } from '../../core/http/validation';

/** The switches of a tracking domain, in SocketLabs' names and order. */
export const TRACKING_FLAGS = [
  'opensEnabled',
  'clicksEnabled',
  'unsubscribesEnabled',
  'automaticTrackingEnabled',
  'googleAnalyticsEnabled',
  'isDefault',
] as const;
export type TrackingFlag = (typeof TRACKING_FLAGS)[number];

/**
 * The switches, each optional (SocketLabs' default when absent). Booleans, or the strings `"true"`/`"false"`
 * that SocketLabs' own sample sends; they are sent to SocketLabs as booleans.
 */
export class TrackingDomainFlagsDto {
  /**
   * Track opens (a tracking image).
   * @example false
   */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  opensEnabled?: boolean;

  /**
   * Track clicks (links rewritten through the tracking domain).
   * @example false
   */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  clicksEnabled?: boolean;

  /**
   * Add an unsubscribe link and track unsubscribes.
   * @example false
   */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  unsubscribesEnabled?: boolean;

  /**
   * Track every message, not only those that ask for it.
   * @example true
   */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  automaticTrackingEnabled?: boolean;

  /**
   * Add Google Analytics parameters to tracked links.
   * @example true
   */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  googleAnalyticsEnabled?: boolean;

  /**
   * Use this domain for messages that match no other tracking domain.
   * @example false
   */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  isDefault?: boolean;
}

/** An engagement tracking domain; it needs a CNAME to tracking.socketlabs.com first, or SocketLabs refuses it. */
@SocketLabsShaped()
export class CreateTrackingDomainDto extends TrackingDomainFlagsDto {
  /**
   * Domain or subdomain that labels the tracked links and images.
   * @example "tracking.example.com"
   */
  @MaxLength(253)
  @IsHostname()
  domain: string;
}

/** The switches to change (at least one). */
@SocketLabsShaped()
export class UpdateTrackingDomainDto extends TrackingDomainFlagsDto {}

export class ListTrackingDomainsQueryDto extends SocketLabsPageQueryDto {}

/**
 * A tracking domain as SocketLabs answers it. The quickstart shows `Domain` capitalised and the switches as
 * strings (`"true"`); they are passed through as SocketLabs sends them.
 */
export class TrackingDomainResponseDto {
  /** @example "tracking.example.com" */
  Domain: string;
  /** @example true */
  opensEnabled: boolean;
  /** @example true */
  clicksEnabled: boolean;
  /** @example false */
  unsubscribesEnabled?: boolean;
  /** @example true */
  automaticTrackingEnabled: boolean;
  /** @example true */
  googleAnalyticsEnabled: boolean;
  /** @example false */
  isDefault?: boolean;
  /** @example "Active" */
  encryptedTrackingStatus?: string;
  /** @example "1901-01-01T01:01:01.000Z" */
  createdOn: string;
  /** @example "1901-01-01T01:01:01.000Z" */
  updatedOn: string;
}

export class TrackingDomainListResponseDto {
  data: TrackingDomainResponseDto[];
  /** @example 1 */
  total: number;
}

/** The switches that were given, as booleans. */
export function trackingFlags(dto: TrackingDomainFlagsDto): Partial<Record<TrackingFlag, boolean>> {
  const flags: Partial<Record<TrackingFlag, boolean>> = {};
  for (const flag of TRACKING_FLAGS) if (typeof dto[flag] === 'boolean') flags[flag] = dto[flag];
  return flags;
}
