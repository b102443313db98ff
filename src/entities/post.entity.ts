import { IsDate, IsEnum, IsInt, IsNotEmpty, IsOptional, IsString, IsUrl, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { Check, Column, Entity, Index } from 'typeorm';
import { TIMESTAMP } from '../column-types';
import { PostType } from '../enums';
import { TimestampedEntity } from './base-record';
import { enumCheck, IsDateInRange, nonNegativeCheck, usesDefaultUnlessSet } from './checks';
import { MAX_INT4 } from '../validation';

/** A Facebook post, story, reel or ad creative that conversations can be attributed to. Table `posts`. */
@Entity({ name: 'posts' })
@Index('UQ_posts_facebook_post_id', ['facebookPostId'], { unique: true })
@Check('CHK_posts_post_type', enumCheck('post_type', PostType))
@Check('CHK_posts_likes_count', nonNegativeCheck('likes_count'))
@Check('CHK_posts_comments_count', nonNegativeCheck('comments_count'))
@Check('CHK_posts_shares_count', nonNegativeCheck('shares_count'))
export class Post extends TimestampedEntity {
  /** Facebook's id of the post. Column `facebook_post_id`, unique. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  @Column({ type: 'varchar', length: 255 })
  facebookPostId!: string;

  /** What kind of post it is (post, story, reel or ad). Column `post_type`, default `post`. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsEnum(PostType)
  @Column({ type: 'varchar', length: 16, default: PostType.POST })
  postType!: PostType;

  /** The post's text. Column `content`. */
  @IsOptional()
  @IsString()
  @MaxLength(65_535)
  @Column({ type: 'text', nullable: true })
  content!: string | null;

  /** The post's public URL on Facebook. Column `permalink_url`. */
  @IsOptional()
  @IsUrl({ require_protocol: true, protocols: ['http', 'https'] })
  @MaxLength(2048)
  @Column({ type: 'varchar', length: 2048, nullable: true })
  permalinkUrl!: string | null;

  /** URL of the post's image or video, if any. Column `media_url`. */
  @IsOptional()
  @IsUrl({ require_protocol: true, protocols: ['http', 'https'] })
  @MaxLength(2048)
  @Column({ type: 'varchar', length: 2048, nullable: true })
  mediaUrl!: string | null;

  /** Likes (reactions) at the last engagement update. Column `likes_count`, at least 0. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsInt()
  @Max(MAX_INT4)
  @Min(0)
  @Column({ type: 'integer', default: 0 })
  likesCount!: number;

  /** Comments at the last engagement update. Column `comments_count`, at least 0. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsInt()
  @Max(MAX_INT4)
  @Min(0)
  @Column({ type: 'integer', default: 0 })
  commentsCount!: number;

  /** Shares at the last engagement update. Column `shares_count`, at least 0. */
  @ValidateIf(usesDefaultUnlessSet)
  @IsInt()
  @Max(MAX_INT4)
  @Min(0)
  @Column({ type: 'integer', default: 0 })
  sharesCount!: number;

  /** When it went live on Facebook. Column `published_at`. */
  @IsOptional()
  @IsDate()
  @IsDateInRange()
  @Column({ type: TIMESTAMP, nullable: true })
  publishedAt!: Date | null;
}
