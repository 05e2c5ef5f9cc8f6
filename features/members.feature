@members
Feature: Members of a program
  A member is one customer's membership of a program. Clients list the members of a
  program, find a customer's membership by customer id, and read one member.

  Scenario: The members of a program can be listed
    Given a program
    When the client lists the members
    Then the response status is 200
    And the page holds at most 20 items
    And the list is not empty

  Scenario Outline: A member can be read: <member>
    Given <member>
    When the client asks for the member
    Then the response status is 200
    And the member is the one asked for

    Examples:
      | member                                                |
      | a newcomer                                            |
      | a member with between 21 and 100 transactions         |
      | a member with more than 100 transactions              |
      | a currently suspended member                          |
      | a member whose points have expired and been cancelled |
      | the member listed first in the program                |
      | the member listed last in the program                 |

  @consistency
  Scenario: Every member listed belongs to the program's organisation
    Given a program
    When the client walks all pages of the members with 100 per page
    Then every item belongs to the program's organisation

  @consistency
  Scenario: Every member on a page looks the same when read on its own
    Given a program
    When the client lists the members on the first page with 20 per page
    Then every member on the page looks the same when read on its own

  @consistency
  Scenario: The last members of the program look the same when read on their own
    Given a program
    When the client lists the members on the last page with 7 per page
    Then every member on the page looks the same when read on its own

  @filters
  Scenario Outline: Looking a customer up by customer id finds exactly their membership: <member>
    Given <member>
    When the client looks the member up by customer id
    Then the response status is 200
    And the filtered list holds exactly the member, as it looks on its own

    Examples:
      | member                                                |
      | a newcomer                                            |
      | a member with between 21 and 100 transactions         |
      | a member with more than 100 transactions              |
      | a currently suspended member                          |
      | a member whose points have expired and been cancelled |
      | the member listed last in the program                 |

  @filters
  Scenario: A customer id that no member has finds nothing
    Given a program
    When the client filters the members by a customer id that no member has
    Then the response status is 200
    And the list is empty with no pages

  @filters
  Scenario: The customer id filter is an exact match, not a prefix or substring search
    Given a member with more than 100 transactions
    When the client filters the members by the first part of the member's customer id
    Then the response status is 200
    And every item has exactly that customer id

  @filters
  Scenario: The customer id filter combines with paging
    Given a member with between 21 and 100 transactions
    When the client looks the member up by customer id on the first page
    Then the response status is 200
    And the list has 1 item on 1 page

  @filters @pastLastPage-empty
  Scenario: The page after the only page of a customer id lookup is empty (pastLastPage: empty)
    Given a member with between 21 and 100 transactions
    When the client looks the member up by customer id on the second page
    Then the response status is 200
    And the page is empty
    And the list has 1 item on 1 page

  @filters @pastLastPage-notFound
  Scenario: The page after the only page of a customer id lookup is not found (pastLastPage: notFound)
    Given a member with between 21 and 100 transactions
    When the client looks the member up by customer id on the second page
    Then the answer is a "Not Found" error
